module TopModule (
  input            clk,
  input            reset,
  input            coin5,
  input            coin10,
  output reg [4:0] credit,
  output reg       dispense,
  output reg [4:0] change
);
  wire [4:0] value = (coin5 ? 5'd5 : 5'd0) + (coin10 ? 5'd10 : 5'd0);
  wire [5:0] total = {1'b0, credit} + {1'b0, value};
  always @(posedge clk) begin
    if (reset) begin
      credit   <= 5'd0;
      dispense <= 1'b0;
      change   <= 5'd0;
    end else if (total >= 6'd20) begin
      dispense <= 1'b1;
      change   <= total - 6'd20;
      credit   <= 5'd0;
    end else begin
      dispense <= 1'b0;
      change   <= 5'd0;
      credit   <= total[4:0];
    end
  end
endmodule
