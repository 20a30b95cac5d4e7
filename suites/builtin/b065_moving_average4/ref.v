module TopModule (
  input            clk,
  input            reset,
  input            in_valid,
  input      [7:0] x,
  output reg [9:0] sum,
  output     [7:0] avg,
  output reg       out_valid
);
  reg [7:0] s0, s1, s2, s3;
  always @(posedge clk) begin
    if (reset) begin
      s0 <= 8'd0;
      s1 <= 8'd0;
      s2 <= 8'd0;
      s3 <= 8'd0;
      sum <= 10'd0;
      out_valid <= 1'b0;
    end else begin
      out_valid <= in_valid;
      if (in_valid) begin
        s0  <= x;
        s1  <= s0;
        s2  <= s1;
        s3  <= s2;
        sum <= sum + {2'd0, x} - {2'd0, s3};
      end
    end
  end
  assign avg = sum[9:2];
endmodule
