module TopModule (
  input             clk,
  input             reset,
  input             in_valid,
  input      [31:0] a,
  input      [31:0] b,
  output reg        out_valid,
  output reg [31:0] sum,
  output reg        cout
);
  reg [16:0] lo;
  reg [15:0] ah, bh;
  reg        v1;
  wire [16:0] hi = {1'b0, ah} + {1'b0, bh} + {16'd0, lo[16]};
  always @(posedge clk) begin
    if (reset) begin
      lo        <= 17'd0;
      ah        <= 16'd0;
      bh        <= 16'd0;
      v1        <= 1'b0;
      sum       <= 32'd0;
      cout      <= 1'b0;
      out_valid <= 1'b0;
    end else begin
      lo        <= {1'b0, a[15:0]} + {1'b0, b[15:0]};
      ah        <= a[31:16];
      bh        <= b[31:16];
      v1        <= in_valid;
      sum       <= {hi[15:0], lo[15:0]};
      cout      <= hi[16];
      out_valid <= v1;
    end
  end
endmodule
